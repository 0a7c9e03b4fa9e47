-- Last part of the install script: roles created earlier (for example by
-- mlops.create_roles() in another database of this cluster) get their grants.
SELECT mlops._apply_grants();
