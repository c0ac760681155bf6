export declare const ALLOWED_TARBALL_FILES: Array<{ what: string; pattern: RegExp }>;
export declare function unexpectedTarballFiles(paths: string[]): string[];
export declare function missingTarballFiles(paths: string[], packageJson: { n8n?: { nodes?: string[]; credentials?: string[] } }): string[];
