package api

import "sort"

// eventNames names the event codes an account may subscribe to in a
// notification rule, in DoorFlow's wording where DoorFlow documents it.
var eventNames = map[int]string{
	1: "Channel Started", 2: "Channel Stopped", 3: "Channel Contact Lost",
	10: "Admit Card", 11: "Admit PIN", 12: "Admit Manual", 13: "Admit REX", 14: "Admit AUX",
	15: "Admit Application", 16: "Admit Unlocked", 17: "Admit Apple Wallet", 18: "Admit Google Wallet",
	20: "Reject Card", 21: "Reject Out Of Hours", 22: "Reject Lockdown", 23: "Reject Tamper", 24: "Reject PIN",
	25: "Reject Timeout", 26: "Reject Invalid Type", 27: "Reject Unauthorized", 28: "Reject Pass-back", 29: "Reject Offline",
	30: "REX Pressed", 31: "Door Forced", 32: "Door Held Open", 33: "Door Normal", 34: "Door Opened", 35: "Door Closed",
	36: "Alarm", 37: "Alarm Cleared",
	40: "Auto-unlock Started", 41: "Auto-unlock Ended", 42: "Auto-unlock Changed",
	50: "Remote Admit", 51: "Remote Admit Denied", 52: "Remote Admit Offline", 53: "Remote Admit Requested",
	54: "Remote Unlock", 55: "Remote Normal Mode", 56: "Remote Lockdown", 57: "Remote Lockdown Lifted",
	58: "Remote Auto-unlock Change", 59: "Encryption Key Regenerated", 60: "Encryption Key Removed",
	70: "Admit Multi-factor", 71: "Reject Multi-factor", 72: "Reject Multi-factor Timeout", 73: "Reject Multi-factor Mismatch",
	90: "Tamper Detected", 91: "Tamper Cleared",
	100: "Sync Started", 101: "Sync Completed", 102: "Sync Failed", 103: "Sync Pending", 104: "Sync Retried",
	105: "Sync Data Validated", 106: "Sync Data Promoted", 107: "Sync Cancelled",
	220: "Directory Sync Started", 223: "Directory Sync Completed", 224: "Directory Sync Failed", 225: "Directory Sync Warning",
}

// RuleEventCodes returns the event codes a notification rule may match,
// ascending, each with its name (for forms outside the API, such as the
// console's).
func RuleEventCodes() []EventCodeName {
	out := make([]EventCodeName, 0, len(eventNames))
	for code, name := range eventNames {
		out = append(out, EventCodeName{Code: code, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// EventCodeName is an event code and its name.
type EventCodeName struct {
	Code int
	Name string
}
