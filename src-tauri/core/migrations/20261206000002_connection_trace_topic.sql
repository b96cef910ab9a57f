-- The topic the connection's clients write trace records to (message trace lookups read it).
ALTER TABLE connection ADD COLUMN trace_topic TEXT NOT NULL DEFAULT 'RMQ_SYS_TRACE_TOPIC';
