export declare function runScenario(lib: object, fns: object, futures: object): Promise<void>;
