/**
 * Function names a read transaction may call on a replica: built-ins without side effects,
 * plus words PostgreSQL's grammar puts before a parenthesis that are not calls at all
 * (type modifiers such as numeric(10,2), grouping syntax). A name outside this list makes a
 * SELECT 'unsure' (it may write), unless the operator lists it as read-only.
 */
export const READ_ONLY_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates and window functions
  'count', 'sum', 'avg', 'min', 'max', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'json_object_agg',
  'jsonb_object_agg', 'bool_and', 'bool_or', 'every', 'bit_and', 'bit_or', 'stddev', 'stddev_pop', 'stddev_samp',
  'variance', 'var_pop', 'var_samp', 'percentile_cont', 'percentile_disc', 'mode', 'corr', 'covar_pop',
  'covar_samp', 'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value', 'grouping',
  // conditionals and comparison (some are grammar, all are harmless)
  'coalesce', 'nullif', 'greatest', 'least', 'num_nonnulls', 'num_nulls',
  // strings
  'length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'lower', 'upper', 'initcap',
  'substring', 'substr', 'position', 'strpos', 'overlay', 'trim', 'btrim', 'ltrim', 'rtrim', 'lpad', 'rpad',
  'left', 'right', 'replace', 'translate', 'reverse', 'repeat', 'split_part', 'concat', 'concat_ws', 'format',
  'starts_with', 'ascii', 'chr', 'md5', 'sha224', 'sha256', 'sha384', 'sha512', 'encode', 'decode',
  'quote_ident', 'quote_literal', 'quote_nullable', 'regexp_replace', 'regexp_match', 'regexp_matches',
  'regexp_split_to_array', 'regexp_split_to_table', 'regexp_like', 'regexp_count', 'regexp_substr', 'to_hex',
  'string_to_array', 'array_to_string', 'unistr', 'normalize',
  // numbers
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'sign', 'sqrt', 'cbrt', 'exp', 'ln', 'log', 'log10',
  'power', 'pow', 'mod', 'div', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2',
  'random', 'width_bucket', 'scale', 'gcd', 'lcm',
  // dates and times
  'now', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'timeofday', 'date_trunc',
  'date_part', 'extract', 'age', 'to_char', 'to_date', 'to_timestamp', 'to_number', 'make_date', 'make_time',
  'make_timestamp', 'make_timestamptz', 'make_interval', 'date_bin', 'justify_days', 'justify_hours',
  'justify_interval', 'isfinite', 'timezone',
  // arrays, rows, sets
  'array_length', 'array_lower', 'array_upper', 'array_position', 'array_positions', 'array_append',
  'array_prepend', 'array_cat', 'array_remove', 'array_replace', 'array_dims', 'array_ndims', 'cardinality',
  'unnest', 'generate_series', 'generate_subscripts', 'row_to_json',
  // JSON
  'to_json', 'to_jsonb', 'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array',
  'json_object', 'jsonb_object', 'json_array_length', 'jsonb_array_length', 'json_each', 'jsonb_each',
  'json_each_text', 'jsonb_each_text', 'json_extract_path', 'jsonb_extract_path', 'json_extract_path_text',
  'jsonb_extract_path_text', 'json_object_keys', 'jsonb_object_keys', 'json_array_elements',
  'jsonb_array_elements', 'json_array_elements_text', 'jsonb_array_elements_text', 'json_typeof',
  'jsonb_typeof', 'jsonb_set', 'jsonb_insert', 'jsonb_strip_nulls', 'json_strip_nulls', 'jsonb_pretty',
  'jsonb_path_query', 'jsonb_path_query_array', 'jsonb_path_query_first', 'jsonb_path_exists',
  'jsonb_path_match', 'json_populate_record', 'jsonb_populate_record', 'json_to_record', 'jsonb_to_record',
  'json_to_recordset', 'jsonb_to_recordset', 'json_array', 'json_scalar', 'json_serialize', 'json_value',
  'json_query', 'json_exists', 'json_table',
  // identifiers, system information (reads only)
  'gen_random_uuid', 'uuid_generate_v4', 'current_setting', 'current_database', 'current_schema',
  'current_schemas', 'version', 'pg_is_in_recovery', 'pg_last_wal_replay_lsn', 'pg_last_wal_receive_lsn',
  'pg_last_xact_replay_timestamp', 'pg_backend_pid', 'pg_postmaster_start_time', 'pg_typeof',
  'pg_column_size', 'pg_database_size', 'pg_relation_size', 'pg_total_relation_size', 'pg_table_size',
  'pg_indexes_size', 'pg_size_pretty', 'pg_get_viewdef', 'pg_get_indexdef', 'pg_get_constraintdef',
  'pg_get_functiondef', 'pg_get_expr', 'pg_get_userbyid', 'format_type', 'obj_description', 'col_description',
  'has_table_privilege', 'has_schema_privilege', 'has_database_privilege', 'has_column_privilege',
  'has_function_privilege', 'pg_has_role', 'to_regclass', 'to_regtype', 'to_regproc', 'pg_sleep',
  // full text search
  'to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery', 'ts_rank',
  'ts_rank_cd', 'ts_headline', 'setweight',
  // type names with modifiers, and grammar that looks like a call
  'numeric', 'decimal', 'varchar', 'char', 'character', 'varying', 'bit', 'varbit', 'timestamp', 'timestamptz',
  'time', 'timetz', 'interval', 'float', 'cube', 'rollup', 'sets', 'bernoulli', 'system',
]);

/** Calls that write or that need the primary's session state: always 'write'. */
export function writingFunction(name: string): string | null {
  switch (name) {
    case 'nextval': case 'setval': case 'currval': case 'lastval': return 'sequence-function';
    case 'set_config': return 'set-config';
    case 'pg_notify': case 'txid_current': case 'pg_current_xact_id': return 'writing-function';
    case 'loread': case 'lowrite': return 'large-object';
  }
  if (name.startsWith('lo_')) return 'large-object';
  if (name.startsWith('pg_') && name.includes('advisory')) return 'advisory-lock';
  return null;
}

/** Words PostgreSQL puts before '(' that are grammar, not calls (FROM (…), IN (…), AS (…)). */
export const NOT_CALLS: ReadonlySet<string> = new Set([
  'all', 'and', 'any', 'array', 'as', 'asc', 'between', 'by', 'case', 'cast', 'collate', 'cross', 'default',
  'desc', 'distinct', 'do', 'else', 'end', 'escape', 'except', 'exists', 'fetch', 'filter', 'first', 'from',
  'full', 'group', 'groups', 'having', 'ilike', 'in', 'inner', 'intersect', 'into', 'is', 'join', 'last',
  'lateral', 'like', 'limit', 'materialized', 'natural', 'not', 'nulls', 'offset', 'on', 'only', 'or', 'order',
  'outer', 'over', 'partition', 'range', 'recursive', 'returning', 'row', 'rows', 'select', 'similar', 'some',
  'table', 'tablesample', 'then', 'union', 'using', 'values', 'when', 'where', 'window', 'with', 'within',
  'zone', 'at', 'symmetric', 'asymmetric', 'ties', 'next', 'null',
]);
