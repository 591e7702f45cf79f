// Word lists for the demo business (a UK coffee roastery). Plain data, no logic.

export const firstNames = [
  'Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Noah', 'Mia', 'Jack', 'Ivy', 'Leo', 'Lily', 'Arthur', 'Freya',
  'Muhammad', 'Florence', 'Oscar', 'Grace', 'Charlie', 'Sophia', 'Thomas', 'Emily', 'Henry', 'Ella', 'Jacob', 'Poppy',
  'Alfie', 'Evie', 'Freddie', 'Rosie', 'Theo', 'Isabella', 'Archie', 'Charlotte', 'William', 'Willow', 'James', 'Daisy',
  'Joshua', 'Matilda', 'Lucas', 'Phoebe', 'Ethan', 'Sienna', 'Samuel', 'Alice', 'Daniel', 'Harper', 'Isaac', 'Ruby',
  'Max', 'Elsie', 'Edward', 'Lucy', 'Finley', 'Hannah', 'Rory', 'Chloe', 'Aarav', 'Priya', 'Omar', 'Aisha', 'Ravi',
  'Zara', 'Kwame', 'Adaeze', 'Wei', 'Mei', 'Tomasz', 'Zofia', 'Liam', 'Niamh', 'Callum', 'Eilidh', 'Owen', 'Cerys',
  'Rhys', 'Megan', 'Ben', 'Sarah', 'Matthew', 'Laura', 'David', 'Rachel', 'Paul', 'Helen', 'Mark', 'Claire', 'Simon',
  'Nicola', 'Andrew', 'Katie', 'Peter', 'Joanne', 'Stephen', 'Emma', 'Richard', 'Jessica', 'Chris', 'Hollie', 'Gareth',
  'Sian', 'Declan', 'Aoife', 'Hamza', 'Fatima', 'Yusuf', 'Maryam', 'Arjun', 'Anjali', 'Kofi', 'Esi', 'Marek', 'Ines',
];

export const lastNames = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright',
  'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Khan', 'Lewis',
  'Harris', 'Martin', 'Cooper', 'King', 'Lee', 'Baker', 'Harrison', 'Morgan', 'Allen', 'James', 'Scott', 'Phillips',
  'Watson', 'Davis', 'Parker', 'Price', 'Bennett', 'Young', 'Griffiths', 'Mitchell', 'Kelly', 'Cook', 'Carter',
  'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy', 'Miller', 'Cox', 'Richards', 'Khan', 'Marshall',
  'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh', 'Begum', 'Wilkinson', 'Foster', 'Chapman', 'Powell', 'Webb',
  'Rogers', 'Gray', 'Mason', 'Ali', 'Hunt', 'Hussain', 'Campbell', 'Matthews', 'Owen', 'Palmer', 'Holmes', 'Mills',
  'Barnes', 'Knight', 'Lloyd', 'Butler', 'Russell', 'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Murray', 'Dixon',
  'Harvey', 'Graham', 'Pearson', 'Ahmed', 'Fletcher', 'Walsh', 'Kaur', 'Gibson', 'Howard', 'Andrews', 'Stewart',
  'Okafor', 'Mensah', 'Nowak', 'Kowalski', 'Chen', 'Wong', "O'Brien", 'McDonald', 'Fraser', 'Quinn', 'Doyle', 'Hughes',
];

export const emailDomains: [string, number][] = [
  ['gmail.com', 38],
  ['outlook.com', 10],
  ['hotmail.co.uk', 12],
  ['yahoo.co.uk', 8],
  ['icloud.com', 9],
  ['btinternet.com', 6],
  ['sky.com', 3],
  ['live.co.uk', 4],
  ['protonmail.com', 2],
  ['virginmedia.com', 3],
];

/** [city, postcode outward prefixes, weight] */
export const cities: [string, string[], number][] = [
  ['London', ['E8', 'N16', 'SE15', 'SW9', 'W12', 'NW5', 'E2', 'SE22'], 22],
  ['Brighton', ['BN1', 'BN2', 'BN3'], 9],
  ['Bristol', ['BS1', 'BS6', 'BS7', 'BS3'], 8],
  ['Manchester', ['M4', 'M14', 'M20', 'M21'], 7],
  ['Leeds', ['LS6', 'LS7', 'LS8'], 5],
  ['Edinburgh', ['EH6', 'EH7', 'EH9'], 5],
  ['Glasgow', ['G11', 'G12', 'G41'], 4],
  ['Cardiff', ['CF10', 'CF11', 'CF24'], 4],
  ['Birmingham', ['B13', 'B29', 'B15'], 5],
  ['Sheffield', ['S7', 'S10', 'S11'], 3],
  ['Oxford', ['OX1', 'OX4'], 3],
  ['Cambridge', ['CB1', 'CB4'], 3],
  ['Norwich', ['NR2', 'NR3'], 2],
  ['Exeter', ['EX1', 'EX4'], 2],
  ['Falmouth', ['TR11'], 3],
  ['St Ives', ['TR26'], 2],
  ['Bath', ['BA1', 'BA2'], 2],
  ['York', ['YO1', 'YO10'], 2],
  ['Liverpool', ['L8', 'L17'], 3],
  ['Newcastle upon Tyne', ['NE1', 'NE2', 'NE6'], 3],
  ['Nottingham', ['NG1', 'NG7'], 2],
  ['Belfast', ['BT7', 'BT9'], 1],
];

export const streets = [
  'High Street', 'Church Road', 'Station Road', 'Victoria Road', 'Park Road', 'Green Lane', 'Manor Road', 'Mill Lane',
  'Queens Road', 'Kings Road', 'London Road', 'The Crescent', 'Albert Street', 'Harbour View', 'Chapel Street',
  'North Street', 'Grove Road', 'Springfield Avenue', 'Elm Grove', 'Oak Avenue', 'Beech Close', 'Windsor Terrace',
  'Clifton Place', 'Marine Parade', 'Castle Street', 'Bridge Street', 'Meadow Way', 'Orchard Close', 'Fore Street',
];

/** Cafés, offices and shops that buy wholesale beans. */
export const wholesaleNames = [
  'The Harbour Café', 'Saltwater Kitchen', 'Morning Tide Bakery', 'Fern & Flour', 'Northpoint Studios',
  'The Reading Room', 'Kettle Yard Deli', 'Pebble Beach Kiosk', 'Copper Pot Bistro', 'Little Lighthouse Café',
  'Greenhouse Coworking', 'The Sailmakers Arms', 'Tidewater Books', 'Lantern Yoga', 'Seaglass Gallery Café',
  'Old Station Bakehouse', 'Bramble & Bean', 'Quayside Hotel', 'Moorland Outdoor Centre', 'Larder on the Green',
  'The Wheelhouse', 'Cobble Street Barbers', 'Foxglove Florist & Café', 'Hilltop Community Hub', 'Wildflower Nursery',
  'Anchor Dental Practice', 'Ropewalk Architects', 'The Net Loft', 'Surf Shack Café', 'Birchwood Garden Centre',
];

export const coffees = [
  'Lighthouse Espresso', 'Driftwood House Blend', 'Ethiopia Guji', 'Colombia Huila', 'Brazil Cerrado', 'Kenya Nyeri',
  'Rwanda Nyamasheke', 'Guatemala Huehuetenango', 'Decaf Sugarcane Colombia', 'Winter Harbour Blend',
];
