"""What a process tells its operator: Prometheus metrics, JSON log lines, the workers' heartbeat."""
