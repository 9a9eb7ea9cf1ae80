"""Security tests attack the real application: as another tenant's staff, as a citizen,
anonymously, as a second user of the same tenant, and with generated inputs. They share
the fixtures of tests/integration/conftest.py and the route table helpers in `routes`."""
