"""Event brokers of the production configuration (RabbitMQ, fan-out)."""
