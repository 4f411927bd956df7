// The inventory side of ingest in one import: recognise a CSV / JSON inventory and normalise it into the canonical model.

export * from './change-windows';
export * from './credential-report';
export * from './csv-kind';
export * from './header-map';
export * from './json-inventories';
export * from './register';
export * from './resource-classes';
export * from './schedule';
export type { ParsedTable } from './util';
