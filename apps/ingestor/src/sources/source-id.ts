/** A data source id: what `data_sources.source_id`, webhook paths and Kafka keys accept. */
export const SOURCE_ID = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export const SOURCE_ID_RULE = 'source_id must be 1-100 lower-case letters, digits, ".", "_" or "-"';
