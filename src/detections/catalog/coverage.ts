// coverage.*: the inventory reconciled with the logs.
import type { DetectionDefinition } from '../types';

export const COVERAGE: DetectionDefinition[] = [];
