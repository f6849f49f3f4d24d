/**
 * `mqtt` and `hl7`: the device-facing listeners. Keys, defaults and bounds are in the
 * settings table (settings.ts); here are the shapes and what each key means:
 *   mqtt.host, mqtt.port         the embedded broker (MQTT 3.1.1), plain TCP;
 *   mqtt.tls                     {port (8883), certFile, keyFile, caFile?}: a second, TLS listener;
 *                                with caFile, a device may present a client certificate
 *                                (its CN is the device id) instead of a password;
 *   mqtt.maxPayloadBytes         a publish's payload at most (the packet: this + 1 KiB);
 *   mqtt.maxConnections, mqtt.maxConnectionsPerAddress   open connections in total and from one address;
 *   mqtt.bridge                  {url, topicFilter, clientId?, username?, password?}: readings
 *                                from a broker the hospital already runs;
 *   hl7.host, hl7.port           the MLLP listener, plain TCP;
 *   hl7.tls                      {port (2576), certFile, keyFile, caFile?}: MLLP over TLS;
 *   hl7.maxMessageBytes          a message at most;
 *   hl7.idleTimeoutMs            a connection that sends nothing for this long is closed;
 *   hl7.messageTimeoutMs         a message begun must end (0x1C 0x0D) within this;
 *   hl7.maxConnections, hl7.maxConnectionsPerAddress.
 */

export interface ListenerTls {
  port: number;
  certFile: string;
  keyFile: string;
  /** CAs whose client certificates are accepted; null: no client certificates. */
  caFile: string | null;
}

export interface MqttListenerConfig {
  host: string;
  port: number;
  maxPayloadBytes: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  tls: ListenerTls | null;
}

export interface Hl7ListenerConfig {
  host: string;
  port: number;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  messageTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  tls: ListenerTls | null;
}
