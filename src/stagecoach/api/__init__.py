"""HTTP: the HubSpot-compatible CRM API and Stagecoach's own /lifecycle/v1 API."""
