"""What easeback hands to other programs and people: calendar reminders, the PDF
report and routine sheet, charts, CSV, JSON and FHIR exports."""
