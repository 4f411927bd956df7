// The audit-log formats we recognise, and detection by content: records vote, the format that fits a file's sample best wins.
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import { cloudtrail } from './cloudtrail';
import { entraAudit, entraSignin } from './entra';
import { gcp } from './gcp';
import { github } from './github';
import { googleWorkspace } from './google-workspace';
import { k8s } from './k8s';
import { okta } from './okta';
import { slack } from './slack';

export type { LogFormat, NormaliseResult, RecordWhere } from './types';

export const LOG_FORMATS: LogFormat[] = [cloudtrail, okta, github, entraSignin, entraAudit, gcp, k8s, googleWorkspace, slack];

/** How many records detection looks at: enough to outvote a few odd rows, few enough to stay instant on huge files. */
export const DETECT_SAMPLE = 50;
/** Below this mean confidence a file is not claimed by any format (the analyst maps it instead). */
export const DETECT_THRESHOLD = 0.5;

export interface Detection {
  format: LogFormat;
  /** Mean match over the sample (0..1): records that are not of the format pull it down. */
  confidence: number;
  /** Sampled records the format claims on their own (match ≥ threshold). */
  matched: number;
}

/**
 * Picks the format of a file from its first records. Each format's confidence is its mean match over the sample, so one odd row
 * cannot decide and a file of mixed kinds goes to the kind most of it is; null when nothing reaches DETECT_THRESHOLD.
 */
export function detectLogFormat(records: unknown[], formats: readonly LogFormat[] = LOG_FORMATS): Detection | null {
  const sample = records.slice(0, DETECT_SAMPLE);
  if (sample.length === 0) return null;
  let best: Detection | null = null;
  for (const format of formats) {
    let sum = 0;
    let matched = 0;
    for (const record of sample) {
      const score = format.match(record);
      sum += score;
      if (score >= DETECT_THRESHOLD) matched++;
    }
    const confidence = sum / sample.length;
    if (best === null || confidence > best.confidence) best = { format, confidence, matched };
  }
  return best !== null && best.confidence >= DETECT_THRESHOLD ? best : null;
}

/** The format that claims one record most strongly, when any claims it at all. */
export function bestFormatFor(record: unknown, formats: readonly LogFormat[] = LOG_FORMATS): { format: LogFormat; confidence: number } | null {
  let best: { format: LogFormat; confidence: number } | null = null;
  for (const format of formats) {
    const confidence = format.match(record);
    if (best === null || confidence > best.confidence) best = { format, confidence };
  }
  return best !== null && best.confidence >= DETECT_THRESHOLD ? best : null;
}

/**
 * Normalises one record of a file detected as `fileFormat`. A record the file's format does not recognise but another format does
 * (a GKE entry in an EKS export, an AKS wrapper among them, a stray Okta event) is handed to that format rather than rejected:
 * the same record always becomes the same event, whichever file it arrives in.
 */
export function normaliseRecord(fileFormat: LogFormat, record: unknown, where: RecordWhere, formats: readonly LogFormat[] = LOG_FORMATS): NormaliseResult {
  if (fileFormat.match(record) < DETECT_THRESHOLD) {
    const other = bestFormatFor(record, formats);
    if (other !== null && other.format !== fileFormat) return other.format.normalise(record, where);
  }
  return fileFormat.normalise(record, where);
}
