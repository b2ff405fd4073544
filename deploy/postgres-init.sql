-- The staff console's database, next to the tracker store's (POSTGRES_DB).
CREATE DATABASE console;
