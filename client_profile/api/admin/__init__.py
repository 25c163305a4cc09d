"""The console's HTTP routes (/admin/...) that are not pages: each checks the staff session itself
(api.deps.CurrentStaff); the page guard lets them through (client_profile._PUBLIC_PREFIXES)."""
