-- Demo placeholder for the Central Nexus init script (mounted at /docker-entrypoint-initdb.d/01-init.sql).
SELECT 1;
