// Package demo fills a store with "CoWork HQ", a small coworking account
// with sites, doors, credential types, groups, roles with and without
// shifts, people holding cards and PINs, reservations and a few weeks of
// door events, so that every /api/3 route has something to show. People go
// in through the store's bulk path (a hundred thousand in seconds), and
// PostgreSQL's statistics are refreshed after seeding.
package demo
