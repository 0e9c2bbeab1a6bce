"""Operations: health, readiness, metrics, logs and the production command."""
