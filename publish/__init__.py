"""Topic sinks: publish alerts and metrics to Kafka, or to a Delta table when no broker is configured."""

from publish.sinks import DeltaTablePublisher, KafkaPublisher, Publisher, open_publisher, topic_table

__all__ = ["DeltaTablePublisher", "KafkaPublisher", "Publisher", "open_publisher", "topic_table"]
