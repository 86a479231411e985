// An empty module: the bench:dry-run baseline for tsx start-up.
export {};
