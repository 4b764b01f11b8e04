/** Sinks: each drains the journal from its own persisted cursor (InfluxDB, the MQTT platform). */
export { SinkRunner, type SinkJournal, type SinkRunnerOptions } from './runner.js';
export { SinkError, redact, describeError, type Sink, type Delivered, type Rejection, type SinkState, type SinkStatus } from './types.js';
export { createSinks, createSinkRunners, configuredSinkNames, type SinkGatewayInfo } from './create.js';
export { sinksConfig, influxSinkConfig, mqttSinkConfig, SINK_NAMES, type SinksConfig, type SinkName } from './config.js';
export { InfluxSink, type InfluxSinkOptions } from './influx/sink.js';
export { LineBuilder, timestampNs, MEASUREMENT } from './influx/lines.js';
export { MqttSink, type MqttSinkOptions } from './mqtt/sink.js';
export { topicsFor, isDashboardEvent, type MqttTopics } from './mqtt/topics.js';
