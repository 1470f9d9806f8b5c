"""Privacy records. Each area keeps its models in its own module, imported here."""
