"""What metadata becomes: forms, records, routes, cases, portal pages."""
