// Types of viewer/build.mjs, for the tests that build the client themselves.
export declare const DEFAULT_OUT_DIR: string;
export declare function buildClient(options?: { outDir?: string; minify?: boolean }): Promise<string>;
