-- Demo placeholder for the regional database init script (mounted at /docker-entrypoint-initdb.d/01-init.sql).
SELECT 1;
