/** Alarm delivery: MQTT topics on the gateway's broker, the external forward, viewers. */
export { AlarmDelivery, type AlarmDeliveryOptions, type AlarmForwardConfig } from './alarm-delivery.js';
export { AlarmForwarder, type AlarmForwardOptions } from './forwarder.js';
export { LocalAlarmPublisher, type AlarmBroker, type LocalPublisherOptions } from './local-publisher.js';
export { DeliveryQueue, type DeliveryQueueOptions, type DeliveryQueueCounters } from './delivery-queue.js';
export { onAlarmMessages, bedMessage, payloadOf, type AlarmMessage, type BedAlarmPayload } from './messages.js';
export { AlarmViewers, type AlarmViewerAccount, type ViewerAuthenticator } from './viewers.js';
export * from './topics.js';
