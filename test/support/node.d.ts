/** Node facilities for test tooling; see node.js for why they live there. */
export declare const packageRoot: string;
export declare function print(line: string): void;
export declare function printError(line: string): void;
export declare function env(name: string): string | undefined;
export declare function argv(): string[];
export declare function setExitCode(code: number): void;
export declare function onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
export declare function joinPath(...parts: string[]): string;
export declare function freshFolder(folder: string): string;
export declare function writeFile(file: string, content: Buffer | string): void;
export declare function readFile(file: string): Buffer;
export declare function removeFile(file: string): void;
export declare function listFolder(folder: string): string[];
export declare function listFilesDeep(folder: string): string[];
export declare function gzip(bytes: Buffer): Buffer;
