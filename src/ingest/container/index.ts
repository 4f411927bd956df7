// The byte layer of ingest: from a dropped Blob to decoded text and record texts, streaming, with limits.
export * from './errors';
export * from './encoding';
export * from './streams';
export * from './sniff';
export * from './zip';
export * from './records';
export * from './csv-text';
