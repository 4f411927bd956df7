export declare const QUEUE_DATA_VERSION: number;
export declare const FINDINGS_PER_IDENTITY: number;
export declare const REGISTER_HEADER: string[];
export declare const EVENTS_HEADER: string[];
type DataFile = { path: string; bytes: number; rows: number };
export declare function ensureQueueData(options: { dataDir: string; identities: number; log?: (line: string) => void }): {
  register: DataFile;
  events: DataFile;
  changes: DataFile;
  files: string[];
};
export declare function identitiesFor(findings: number): number;
