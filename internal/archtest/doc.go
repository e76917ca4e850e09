// Package archtest holds tests of the shape of the code rather than its
// behaviour: which packages may depend on which. The rules it checks are
// the layers the project keeps:
//
//   - domain imports no other Lintel package;
//   - access (the decision engine) imports only domain;
//   - the controller protocol's wire types, the decision engine, the
//     reference agent and the UHPPOTE board driver link no database driver
//     and no store, so a door controller built from them carries no SQL;
//   - config, demo data and the engine do not reach up into feature
//     packages;
//   - the Go SDK (sdk/) links nothing of the server and no SQL, on Linux,
//     macOS and Windows, and the CoWork HQ sample app links only the SDK.
//
// It has no code of its own.
package archtest
