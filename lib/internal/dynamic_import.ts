// A real import() from CommonJS output: TypeScript compiles `import()` to
// require() under "module": "commonjs", which cannot load ES modules or
// anything a loader such as tsx registers for `import`.
export const dynamicImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<any>;
