"""The workflow staff steer: rule files loaded, checked and run on applicants."""
