"""信任链 The county's chain of trust for signed reports.

    county root CA (县级根证书, on the hub: made at first start or imported as PKCS#12)
      ├── tablet certificates (评审平板签章证书): one per sign-in, naming inspector, device, county
      └── county TSA certificate (时间戳证书): the hub's RFC 3161 timestamps

Pure functions over the `cryptography` and `asn1crypto` libraries: `ca` makes the root, checks
a CSR and issues certificates; `device` makes a tablet's key and CSR and keeps what the hub sent;
`tsa` answers RFC 3161 requests (hub) and asks for them (tablet); `roots` says which roots a
data folder knows. Storage on the hub lives in hub/trust_routes.py, on the tablet in
`<data>/signing/` (see device.py).
"""
