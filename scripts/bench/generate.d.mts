export declare const GENERATOR_VERSION: number;
export declare const DEFAULT_SEED: number;
export declare const RECORDS_PER_FILE: number;
export declare const CSV_HEADER: string[];
export declare function ensureData(options: { dataDir: string; events: number; seed: number; log?: (line: string) => void }): Promise<{
  generated: string[];
  csv: { path: string; bytes: number; events: number };
  cloudtrail: { dir: string; files: string[]; bytes: number; events: number };
}>;
export declare function csvHead(file: string, lines?: number): string;
