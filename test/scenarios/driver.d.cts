export declare function runScenario(lib: object, fns: object): Promise<void>;
