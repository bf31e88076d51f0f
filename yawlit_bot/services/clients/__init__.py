"""HTTP clients of the paid services (WAPI, Yawlit's ERP): their wire format, timeouts and
retries. Plain Python with requests and tenacity, no Frappe: the engine tier tests them against
the stand-ins."""
