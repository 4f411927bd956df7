-- Candidate findings → findings: identity facts, explanation, risk score with its formula, stable uid, status from
-- change windows and exceptions, the evidence query. Then the entity risk per identity.

CREATE OR REPLACE MACRO dl_quote(s) AS '''' || replace(s, '''', '''''') || '''';

CREATE OR REPLACE TABLE {{target}} AS
WITH c AS (SELECT * FROM dl_context),
scored AS (
  SELECT r.*, d.title, d.family, d.severity, d.description, d.owasp, d.nist, d.uses_baseline, d.evidence_template,
         i.name AS identity_name, i.kind AS identity_kind, i.platform, i.owner, i.owner_status, i.environment, i.criticality,
         i.credential_type,
         CAST(date_diff('day', coalesce(i.last_rotated_at, i.created_at), c.as_of) AS INTEGER) AS credential_age_days,
         p.baseline_active_days, p.baseline_mature,
         CASE d.severity WHEN 'info' THEN 10 WHEN 'low' THEN 25 WHEN 'medium' THEN 50 WHEN 'high' THEN 70 ELSE 90 END AS sev_base,
         CASE lower(trim(i.criticality)) WHEN 'low' THEN 0.8 WHEN 'medium' THEN 1.0 WHEN 'high' THEN 1.2 WHEN 'critical' THEN 1.4 ELSE 1.0 END AS crit_w,
         CASE WHEN d.uses_baseline AND NOT coalesce(p.baseline_mature, false) THEN 0.6 ELSE 1.0 END AS mat_w,
         least(greatest(coalesce(r.intensity, 0), 0), 1) AS intensity_c,
         c.as_of, c.detection_start, c.baseline_start, c.detection_days, c.baseline_days, c.maturity_days,
         (SELECT x.exception_id FROM dl_exceptions x
           WHERE (x.detection_id = '*' OR x.detection_id = r.detection_id)
             AND (x.identity_key = '*' OR x.identity_key = r.entity_key)
             AND x.expires_at > (SELECT evaluated_at FROM dl_settings)
           ORDER BY x.expires_at DESC LIMIT 1) AS exception_id
    FROM dl_findings_raw r
    JOIN dl_detections d USING (detection_id)
    CROSS JOIN c
    LEFT JOIN identities i ON i.identity_key = r.entity_key
    LEFT JOIN dl_entity_profile p ON p.entity_key = r.entity_key
)
SELECT
  md5(detection_id || '|' || entity_key || '|' || coalesce(subject, '') || '|' || CAST(detection_start AS VARCHAR)) AS finding_uid,
  detection_id, family, title, severity,
  CAST(least(100, round(sev_base * crit_w * mat_w * (1 + 0.3 * intensity_c))) AS INTEGER) AS risk_score,
  format('{} ({} severity) × {} (criticality {}) × {} ({}) × {} (intensity {}) = {}',
         sev_base, severity, crit_w, coalesce(criticality, 'not recorded'), mat_w,
         CASE WHEN NOT uses_baseline THEN 'no baseline needed' WHEN baseline_mature THEN 'mature baseline' ELSE 'immature baseline, cold start' END,
         round(1 + 0.3 * intensity_c, 2), round(intensity_c, 2),
         CAST(least(100, round(sev_base * crit_w * mat_w * (1 + 0.3 * intensity_c))) AS INTEGER)) AS risk_formula,
  entity_key,
  CASE WHEN entity_key LIKE 'shadow:%' THEN NULL ELSE entity_key END AS identity_key,
  coalesce(identity_name, CASE WHEN entity_key LIKE 'shadow:%' THEN substr(entity_key, 8) END) AS identity_name,
  identity_kind, platform, owner, owner_status, environment, criticality, credential_type, credential_age_days,
  entity_key LIKE 'shadow:%' AS shadow,
  subject, first_seen, last_seen, evidence_count, evidence_outside_change,
  observed, baseline, declared, threshold, details,
  CASE WHEN NOT uses_baseline THEN 'n/a' WHEN baseline_mature THEN 'mature' ELSE 'immature' END AS maturity,
  baseline_active_days,
  as_of, detection_start, baseline_start, detection_days, baseline_days,
  -- One readable paragraph: observed vs learned vs declared, threshold, windows, maturity.
  concat_ws(' ',
    'Observed: ' || observed || '.',
    CASE WHEN baseline IS NOT NULL AND baseline <> '' THEN 'Baseline: ' || baseline || '.' END,
    CASE WHEN declared IS NOT NULL AND declared <> '' THEN 'Declared: ' || declared || '.' END,
    CASE WHEN threshold IS NOT NULL AND threshold <> '' THEN 'Threshold: ' || threshold || '.' END,
    CASE WHEN uses_baseline THEN format('Windows: detection {} days to {}, baseline up to {} days before it; {} active baseline day{}{}.',
           detection_days, strftime(as_of, '%Y-%m-%d %H:%M UTC'), baseline_days, coalesce(baseline_active_days, 0),
           CASE WHEN coalesce(baseline_active_days, 0) = 1 THEN '' ELSE 's' END,
           CASE WHEN baseline_mature THEN '' ELSE format(' (fewer than {}: immature baseline, ranked lower)', maturity_days) END) END,
    CASE WHEN change_id IS NOT NULL AND evidence_outside_change = 0 THEN 'Explained by change window ' || change_id || '.'
         WHEN change_id IS NOT NULL THEN format('{} of {} evidence events fall in change window {}; only the {} outside count as drift.',
           evidence_count - evidence_outside_change, evidence_count, change_id, evidence_outside_change) END
  ) AS explanation,
  CASE WHEN evidence_template IS NULL
       THEN 'SELECT * FROM identities WHERE identity_key = ' || dl_quote(entity_key)
       ELSE 'SELECT * FROM events_v WHERE '
            || CASE WHEN entity_key LIKE 'shadow:%'
                    THEN 'identity_key IS NULL AND coalesce(actor, credential_id, ''?'') = ' || dl_quote(substr(entity_key, 8))
                    ELSE 'identity_key = ' || dl_quote(entity_key) END
            || CASE WHEN first_seen IS NOT NULL
                    THEN ' AND event_time BETWEEN ' || dl_quote(strftime(first_seen, '%Y-%m-%d %H:%M:%S.%f')) || '::TIMESTAMP AND '
                         || dl_quote(strftime(last_seen, '%Y-%m-%d %H:%M:%S.%f')) || '::TIMESTAMP' ELSE '' END
            || CASE WHEN evidence_template <> '' THEN ' AND (' || replace(evidence_template, '{subject}', dl_quote(coalesce(subject, ''))) || ')' ELSE '' END
            || ' ORDER BY event_time'
  END AS evidence_sql,
  owasp, nist,
  CASE WHEN exception_id IS NOT NULL THEN 'excepted'
       WHEN change_id IS NOT NULL AND evidence_outside_change = 0 THEN 'explained'
       ELSE 'open' END AS status,
  change_id, exception_id, description
FROM scored;

CREATE OR REPLACE TABLE {{target}}_entity_risk AS
SELECT entity_key, any_value(identity_key) AS identity_key, any_value(identity_name) AS identity_name,
       count(*) AS open_findings, max(risk_score) AS max_risk,
       CAST(round(100 * (1 - product(1 - risk_score / 100.0))) AS INTEGER) AS entity_risk
  FROM {{target}} WHERE status = 'open'
 GROUP BY entity_key;
