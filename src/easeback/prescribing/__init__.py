"""A clinician's signed prescription: the key and card (keys.py), the FHIR Bundle that
carries it (bundle.py) and its signature (signature.py). The prescription's rules are
in content/prescription.py; storing and following it are in store/ and usecases/."""
