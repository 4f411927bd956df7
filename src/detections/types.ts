// What a detection is: stable id, family, metadata for people and exports, parameters with defaults, and its SQL.
export type Family = 'posture' | 'coverage' | 'behavior';
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface DetectionParam {
  name: string;
  label: string;
  default: number;
  unit?: string;
  min?: number;
  max?: number;
}

export interface DetectionDefinition {
  /** Stable id from spec/detections.md: never renamed. */
  id: string;
  family: Family;
  title: string;
  /** One or two sentences: what fires and why it matters. */
  description: string;
  severity: Severity;
  params: DetectionParam[];
  /** OWASP Non-Human Identities Top 10 (2025) ids, e.g. ['NHI1']. */
  owasp: string[];
  /** NIST CSF 2.0 subcategories, e.g. ['DE.CM-03']. */
  nist: string[];
  /** Behaviour compared with a learned baseline: an immature baseline ranks lower and says so. */
  usesBaseline: boolean;
  /**
   * Which events are this finding's evidence, as an SQL predicate over events_v written by us, with `{subject}` standing
   * for the finding's subject (quoted by the engine). The entity and the finding's time span are added automatically.
   * null for findings whose evidence is the inventory row itself.
   */
  evidence: string | null;
  /** SELECT producing candidate findings (see catalog/README.md for the columns); `{{param}}` is replaced by its value. */
  sql: string;
  /**
   * Run in parts, for a detection whose working memory grows with the events it sorts (DuckDB-WASM's heap never gives
   * back what one query took). `count` is a scalar SELECT; the detection runs ceil(count / rows) times (at least once),
   * with `{{part}}` = 0, 1, … and `{{parts}}` in its SQL, which must split its input so that every finding comes from
   * exactly one part (by a hash of the subject). Without it, or shown to a user, `{{part}}` = 0 and `{{parts}}` = 1.
   */
  parts?: { count: string; rows: number };
}
