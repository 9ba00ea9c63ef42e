"""Operations: readiness of the stores, and archive-wide metrics."""
