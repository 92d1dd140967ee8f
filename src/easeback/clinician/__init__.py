"""The clinician's views on a clinic's server (issue 13): the patient list, one
patient's page and the prescription editor."""
