package demo

// Realistic first and last names for the demo people. "Doe" is among them
// so the DoorFlow quickstart's last_name=Doe event query finds something.
var firstNames = []string{
	"Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Freya", "Lily", "Sophia", "Ella",
	"Noah", "Oliver", "George", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Theo", "Charlie",
	"Priya", "Aisha", "Mateo", "Sofia", "Yusuf", "Chen", "Kwame", "Ingrid", "Lucas", "Hannah",
}

var lastNames = []string{
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
	"Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
	"Clarke", "Khan", "Murphy", "Okafor", "Nowak", "Garcia", "Lindqvist", "Haddad", "Kowalski", "Ferreira",
}

var departments = []string{"Design", "Engineering", "Marketing", "Operations", "Finance", "Community"}

var jobTitles = []string{"Designer", "Developer", "Founder", "Consultant", "Analyst", "Writer", "Producer", "Manager"}
