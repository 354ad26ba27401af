"""Business rules as plain functions; they flush, their caller (a view, a CLI command, an import job) commits.

Blueprints and the CLI call services; services call models; nothing points back up. The modules directly
in this package are the shared kernel every domain package may use:

- `errors`: the domain errors that views, the API and the CLI turn into messages;
- `audit`: audit entries for changes and reads of personal data;
- `calendar`: Dutch dates, working days and public holidays;
- `normalise`: Dutch identifiers and contact details in their stored form;
- `reference`: look-ups of the seeded codes and of the tunable settings;
- `settings`: changing those settings;
- `bulk`: writing many rows in one statement per table;
- `spreadsheets`: CSV and cell values as Dutch Excel reads them;
- `demo`: the demo region, made through the domain packages (it may import any of them).

The domain packages, lowest first (a package imports only the kernel and the packages its docstring
names under "May import", and `tests/architecture` holds them to it):

- `leads`: a lead's life — stage changes, assignments, activities, vacancies, lists and start-page numbers;
- `campaigns`: campaigns, phases, channels, ad codes and their QR codes;
- `privacy`: AVG rights of a contact person and the retention purge;
- `reports`: management reports and their exports;
- `routing`: who gets a lead — the routing engine, rules, queues, priority and the SLA ladder;
- `employers`: the shared employer record, likely duplicates and merging;
- `placements`: placements, retention check-ins, risk cases and jobcoach signals;
- `accounts`: users, partners and teams, passwords, sessions, API tokens, two-factor login;
- `capture`: the one intake path and the channels into it (campaign form, livestream registrations);
- `imports`: lead files read, previewed and applied through the intake.
"""
