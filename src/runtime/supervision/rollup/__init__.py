"""The supervision rollup's own SQL: the monthly counts per tenant and department
that migration `0016_supervision_rollup`'s triggers keep, as the live code writes
them where it does not leave them to the triggers.

- `counts`: what each kind of row adds to a rollup row, and the grouped upsert that
  adds it (pure strings, the migration's expressions; a migration's text is frozen,
  so the live copy lives here);
- `repository`: recounting one tenant's rollup from its raw rows (`rebuild`);
- `commands`: `yiwang supervision rebuild-rollup`.

The case seeder (`yiwang.runtime.seeding`) defers the triggers for its batches
(`yiwang.rollup_deferred`, migration `0019_rollup_bulk_and_now`) and adds its rows'
counts with `counts.added`. Imports `yiwang.platform` and `yiwang.tenants` only.
"""
