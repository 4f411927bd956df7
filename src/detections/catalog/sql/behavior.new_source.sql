-- behavior.new_source: a source network never seen in the entity's baseline (IPv4 grouped by /24; IPv6 and odd addresses by the
-- address itself), with the user-agent family as supporting evidence. Service names ('s3.amazonaws.com', 'AWS Internal') are
-- not networks and are ignored. A new address inside a known /24 is only reported when known_network = 1.
WITH
-- One pass over the baseline: its distinct (address, user agent) pairs; every string test runs on distinct values, not on events.
base_obs AS MATERIALIZED (
  SELECT DISTINCT entity_key, source_ip, user_agent FROM ev
   WHERE period = 'baseline' AND (source_ip IS NOT NULL OR user_agent IS NOT NULL)
),
base_src AS MATERIALIZED (SELECT DISTINCT entity_key, source_ip FROM base_obs WHERE source_ip IS NOT NULL),
det_src AS MATERIALIZED (
  SELECT entity_key, source_ip, user_agent, count(*) AS n, count(*) FILTER (WHERE change_id IS NULL) AS n_out,
         min(change_id) AS change_id, min(event_time) AS t0, max(event_time) AS t1
    FROM ev_detection WHERE source_ip IS NOT NULL
   GROUP BY entity_key, source_ip, user_agent
),
-- User-agent family, once per distinct user-agent string: the product token (any browser = 'browser') and the operating system
-- when the string names one.
ua_names AS MATERIALIZED (
  SELECT user_agent,
         CASE WHEN trim(user_agent) = '' THEN NULL
              ELSE CASE WHEN user_agent ILIKE 'Mozilla/%' THEN 'browser' ELSE lower(regexp_extract(trim(user_agent), '^([^/\s]+)', 1)) END
                   || coalesce(' on ' || CASE WHEN regexp_matches(user_agent, '(?i)darwin|mac ?os|macintosh|\(apple') THEN 'macos'
                                              WHEN regexp_matches(user_agent, '(?i)windows') THEN 'windows'
                                              WHEN regexp_matches(user_agent, '(?i)android') THEN 'android'
                                              WHEN regexp_matches(user_agent, 'iPhone|iPad|\biOS\b') THEN 'ios'
                                              WHEN regexp_matches(user_agent, '(?i)linux|ubuntu|debian|amzn') THEN 'linux' END, '') END AS ua_family
    FROM (SELECT user_agent FROM base_obs UNION SELECT user_agent FROM det_src) WHERE user_agent IS NOT NULL
),
-- Address family: 4 (dotted quad with valid octets), 6, or 0 for service names and anything else that is not an address.
classified AS (
  SELECT entity_key, source_ip, trim(source_ip) AS ip,
         CASE WHEN regexp_matches(trim(source_ip), '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$') THEN 4
              WHEN regexp_matches(trim(source_ip), '^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}$') THEN 6
              ELSE 0 END AS family
    FROM (SELECT entity_key, source_ip FROM base_src UNION SELECT entity_key, source_ip FROM det_src)
),
net AS MATERIALIZED (
  SELECT *, CASE WHEN family = 4 THEN regexp_extract(ip, '^(\d+\.\d+\.\d+)\.', 1) || '.0/24' ELSE ip END AS network
    FROM classified WHERE family > 0
),
base_ips AS MATERIALIZED (SELECT DISTINCT n.entity_key, n.ip, n.network FROM base_src b JOIN net n ON n.entity_key = b.entity_key AND n.source_ip = b.source_ip),
base_nets AS MATERIALIZED (SELECT entity_key, network, count(*) AS n_ips FROM base_ips GROUP BY entity_key, network),
base_summary AS (
  SELECT entity_key, count(*) AS n_nets,
         string_agg(network, ', ' ORDER BY n_ips DESC, network) FILTER (WHERE rk <= 5) || CASE WHEN count(*) > 5 THEN ', …' ELSE '' END AS nets
    FROM (SELECT *, row_number() OVER (PARTITION BY entity_key ORDER BY n_ips DESC, network) AS rk FROM base_nets)
   GROUP BY entity_key
),
addr AS (
  SELECT d.*, n.ip, n.family, n.network, u.ua_family
    FROM det_src d JOIN net n ON n.entity_key = d.entity_key AND n.source_ip = d.source_ip
    LEFT JOIN ua_names u ON u.user_agent = d.user_agent
),
-- Detection-window addresses never seen in the baseline; the finding's subject is the new /24, or the address itself.
fresh AS MATERIALIZED (
  SELECT d.*, bn.network IS NOT NULL AS known_network,
         CASE WHEN d.family = 4 AND bn.network IS NULL THEN d.network ELSE d.ip END AS subject
    FROM addr d
    LEFT JOIN base_ips bi ON bi.entity_key = d.entity_key AND bi.ip = d.ip
    LEFT JOIN base_nets bn ON bn.entity_key = d.entity_key AND bn.network = d.network
   WHERE bi.ip IS NULL
     AND (bn.network IS NULL OR dl_param('behavior.new_source', 'known_network', d.entity_key, {{known_network}}) >= 1)
),
base_ua AS (
  SELECT DISTINCT b.entity_key, u.ua_family
    FROM base_obs b JOIN ua_names u ON u.user_agent = b.user_agent
   WHERE u.ua_family IS NOT NULL AND b.entity_key IN (SELECT entity_key FROM fresh)
),
ua AS (
  SELECT f.entity_key, f.subject,
         string_agg(DISTINCT f.ua_family, ', ' ORDER BY f.ua_family) AS families,
         string_agg(DISTINCT f.ua_family, ', ' ORDER BY f.ua_family) FILTER (WHERE bu.ua_family IS NULL) AS new_families
    FROM fresh f LEFT JOIN base_ua bu ON bu.entity_key = f.entity_key AND bu.ua_family = f.ua_family
   GROUP BY f.entity_key, f.subject
),
grouped AS (
  SELECT entity_key, subject, bool_or(known_network) AS known_network, any_value(family) AS family,
         string_agg(DISTINCT ip, ', ' ORDER BY ip) AS ips, count(DISTINCT ip) AS n_ips,
         sum(n) AS n, sum(n_out) AS n_out, min(change_id) AS change_id, min(t0) AS t0, max(t1) AS t1
    FROM fresh GROUP BY entity_key, subject
)
SELECT g.entity_key, g.subject, g.t0 AS first_seen, g.t1 AS last_seen, g.n AS evidence_count, g.n_out AS evidence_outside_change, g.change_id,
       format('{:,} event{} from {}{}{}', g.n, CASE WHEN g.n = 1 THEN '' ELSE 's' END, g.ips,
              CASE WHEN g.family = 4 AND NOT g.known_network THEN format(' (network {}, never seen)', g.subject)
                   WHEN g.known_network THEN ' (new address in a known /24)' ELSE ' (never seen)' END,
              CASE WHEN u.families IS NULL THEN ''
                   WHEN u.new_families IS NOT NULL THEN format('; user agent {} (new family: {})', u.families, u.new_families)
                   ELSE format('; user agent {} (family already seen)', u.families) END) AS observed,
       CASE WHEN b.n_nets IS NULL THEN 'no source address in the baseline'
            ELSE format('{} network{} in the baseline: {}', b.n_nets, CASE WHEN b.n_nets = 1 THEN '' ELSE 's' END, b.nets) END AS baseline,
       '' AS declared,
       CASE WHEN dl_param('behavior.new_source', 'known_network', g.entity_key, {{known_network}}) >= 1
            THEN 'any source address absent from the baseline (IPv4 grouped by /24)'
            ELSE 'any source network absent from the baseline (IPv4 /24; a new address in a known /24 is not reported)' END AS threshold,
       -- A new network is the finding; a new user-agent family from it (a different tool or OS) makes it much stronger.
       CAST(CASE WHEN g.known_network THEN 0.2 ELSE 0.5 END + CASE WHEN u.new_families IS NOT NULL THEN 0.5 ELSE 0 END AS DOUBLE) AS intensity,
       MAP {'addresses': g.ips, 'address_count': CAST(g.n_ips AS VARCHAR), 'network': CASE WHEN g.family = 4 THEN regexp_extract(split_part(g.ips, ', ', 1), '^(\d+\.\d+\.\d+)\.', 1) || '.0/24' ELSE '' END,
            'known_network': CAST(g.known_network AS VARCHAR), 'user_agent_families': coalesce(u.families, ''),
            'new_user_agent_families': coalesce(u.new_families, ''), 'baseline_networks': CAST(coalesce(b.n_nets, 0) AS VARCHAR)} AS details
  FROM grouped g
  LEFT JOIN ua u ON u.entity_key = g.entity_key AND u.subject = g.subject
  LEFT JOIN base_summary b ON b.entity_key = g.entity_key
