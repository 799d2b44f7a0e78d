-- Demo placeholder for the development database's first-boot scripts.
SELECT 1;
