"""Places in customer text: cities, well-known localities and the words addresses are made of.

They keep places out of names ("Baner, Pune" sent when the bot asked for the name is no
name) and let an address given before the bot asked for it be recognised as one.
"""

from __future__ import annotations

import re

CITIES: dict[str, str] = {
	"pune": "Pune",
	"mumbai": "Mumbai",
	"bombay": "Mumbai",
	"navi mumbai": "Navi Mumbai",
	"delhi": "Delhi",
	"new delhi": "New Delhi",
	"bengaluru": "Bengaluru",
	"bangalore": "Bengaluru",
	"banglore": "Bengaluru",
	"hyderabad": "Hyderabad",
	"secunderabad": "Secunderabad",
	"chennai": "Chennai",
	"madras": "Chennai",
	"kolkata": "Kolkata",
	"calcutta": "Kolkata",
	"ahmedabad": "Ahmedabad",
	"noida": "Noida",
	"greater noida": "Greater Noida",
	"gurgaon": "Gurugram",
	"gurugram": "Gurugram",
	"ghaziabad": "Ghaziabad",
	"faridabad": "Faridabad",
	"thane": "Thane",
	"jaipur": "Jaipur",
	"lucknow": "Lucknow",
	"indore": "Indore",
	"chandigarh": "Chandigarh",
	"mohali": "Mohali",
	"panchkula": "Panchkula",
	"nagpur": "Nagpur",
	"nashik": "Nashik",
	"nasik": "Nashik",
	"surat": "Surat",
	"vadodara": "Vadodara",
	"baroda": "Vadodara",
	"bhopal": "Bhopal",
	"patna": "Patna",
	"kochi": "Kochi",
	"cochin": "Kochi",
	"coimbatore": "Coimbatore",
	"mysuru": "Mysuru",
	"mysore": "Mysuru",
	"ludhiana": "Ludhiana",
	"visakhapatnam": "Visakhapatnam",
	"vizag": "Visakhapatnam",
	"goa": "Goa",
	"pimpri chinchwad": "Pimpri-Chinchwad",
	"pimpri": "Pimpri-Chinchwad",
	"kalyan": "Kalyan",
	"dombivli": "Dombivli",
	"aurangabad": "Aurangabad",
	"kanpur": "Kanpur",
	"agra": "Agra",
	"varanasi": "Varanasi",
	"dehradun": "Dehradun",
	"raipur": "Raipur",
	"ranchi": "Ranchi",
	"bhubaneswar": "Bhubaneswar",
	"guwahati": "Guwahati",
	"thiruvananthapuram": "Thiruvananthapuram",
	"trivandrum": "Thiruvananthapuram",
	"madurai": "Madurai",
	"vijayawada": "Vijayawada",
	"rajkot": "Rajkot",
	"jodhpur": "Jodhpur",
	"udaipur": "Udaipur",
	"amritsar": "Amritsar",
	"jalandhar": "Jalandhar",
	"meerut": "Meerut",
	"prayagraj": "Prayagraj",
	"allahabad": "Prayagraj",
	# in Devanagari
	"पुणे": "Pune",
	"पुने": "Pune",
	"मुंबई": "Mumbai",
	"दिल्ली": "Delhi",
	"बेंगलुरु": "Bengaluru",
	"बैंगलोर": "Bengaluru",
	"हैदराबाद": "Hyderabad",
	"चेन्नई": "Chennai",
	"कोलकाता": "Kolkata",
	"अहमदाबाद": "Ahmedabad",
	"नोएडा": "Noida",
	"गुड़गांव": "Gurugram",
	"गुरुग्राम": "Gurugram",
	"ठाणे": "Thane",
	"जयपुर": "Jaipur",
	"लखनऊ": "Lucknow",
	"इंदौर": "Indore",
	"नागपुर": "Nagpur",
	"भोपाल": "Bhopal",
	"पटना": "Patna",
	"चंडीगढ़": "Chandigarh",
}
CITY_RE = re.compile(
	r"(?<![\w-])("
	+ "|".join(re.escape(c).replace(r"\ ", r"[\s-]+") for c in sorted(CITIES, key=len, reverse=True))
	+ r")(?![\w-])",
	re.I,
)
CITY_WORDS = frozenset(word for city in CITIES for word in city.split())

# Localities customers name on their own ("Baner", "Koramangala"). Only words that are no
# common first name: "Saket" or "Ashok Nagar"'s "Ashok" are left out on purpose.
LOCALITIES = frozenset(
	"""
	baner aundh wakad hinjewadi hinjawadi kothrud kharadi hadapsar wagholi viman balewadi pashan
	bavdhan warje katraj kondhwa undri magarpatta yerawada yerwada  koregaon shivajinagar
	deccan erandwane  sinhagad dhayari narhe ambegaon pimple saudagar nigdi akurdi chinchwad
	bhosari moshi ravet tathawade punawale chakan talegaon lohegaon dhanori vishrantwadi kalas
	andheri bandra powai juhu borivali kandivali malad goregaon dadar worli colaba chembur ghatkopar
	mulund vikhroli kurla santacruz vile parle khar matunga sion wadala byculla lokhandwala versova
	dahisar bhandup kanjurmarg airoli vashi nerul belapur kharghar panvel ghansoli kopar 
	bhayandar vasai virar
	koramangala indiranagar whitefield jayanagar malleshwaram malleswaram marathahalli bellandur
	sarjapur hebbal yelahanka banashankari basavanagudi rajajinagar btm hsr jp nagar frazer domlur
	ulsoor halasuru kengeri hennur kalyan nagar rt nagar yeshwanthpur peenya bommanahalli
	kadugodi varthur brookefield mahadevapura kr puram hoodi electronic
	dwarka rohini saket pitampura janakpuri rajouri paschim vihar  lajpat karol bagh
	chanakyapuri vasant kunj greater  defence colony hauz khas malviya mehrauli okhla
	shahdara   noida indirapuram  kaushambi dlf sohna
	gachibowli madhapur kondapur kukatpally banjara jubilee ameerpet begumpet miyapur manikonda
	kompally hitech hitec uppal dilsukhnagar lb secunderabad
	adyar velachery tambaram porur guindy nungambakkam mylapore egmore perungudi sholinganallur
	thoraipakkam kilpauk chromepet pallavaram
	salt lake ballygunge behala howrah dumdum  rajarhat newtown gariahat tollygunge
	""".split()
)
# Words only addresses are made of ("Green Park Society", "Baner Road", "near Phoenix mall").
ADDRESS_WORDS = frozenset(
	"""
	road  marg street  lane gali galli cross  highway hwy chowk circle square junction
	nagar colony society soc apartment apartments apts apt appt flat flats tower towers building bldg
	complex residency residence heights enclave vihar bagh park garden gardens layout sector phase
	block wing floor plot bungalow villa villas house hno chs housing estate township city
	near opp opposite behind beside besides  landmark mall market hospital school temple mandir
	masjid church station metro bus  depot gate petrol pump office
	peth wadi wada pada gaon nagri puram  palya halli kere pura  ganj gunj  
	east west north south
	नगर रोड मार्ग गली चौक सोसाइटी सोसायटी फ्लैट मकान कॉलोनी कालोनी सेक्टर खंड अपार्टमेंट बिल्डिंग
	टावर पास सामने पीछे मंदिर मस्जिद स्कूल अस्पताल मार्केट बाजार बाज़ार विहार बाग पार्क प्लॉट ब्लॉक
	""".split()
)
# A house, flat or plot number: "Flat 302", "B-204", "H.No. 12/3", "4B", "#12".
HOUSE_NUMBER_RE = re.compile(
	r"(?:\b(?:flat|house|h\.?\s?no\.?|plot|door|bungalow|villa|shop|room|apt|apartment|unit|row\s*house)\b\.?\s*(?:no\.?\s*)?[#:]?\s*[A-Za-z]?[-/]?\d+"
	r"|(?<![\w-])[A-Za-z]{1,2}\s?[-/]\s?\d{1,4}[A-Za-z]?(?![\w-])"
	r"|(?<![\w-])#\s?\d+"
	r"|\b(?:sector|sec|phase|block|lane|gali|road\s+no|street\s+no)\.?\s*(?:no\.?\s*)?\d+"
	r"|(?:मकान|फ्लैट|प्लॉट|सेक्टर|ब्लॉक)\s*(?:नंबर|number|नं\.?|no\.?)?\s*\d+"
	r"|^\s*\d{1,4}[A-Za-z]?(?:\s?[-/]\s?\d{1,4})?\s*,)",
	re.I,
)
_WORD_RE = re.compile(r"[a-z]+|[\u0900-\u0DFF]+")


def place_words(text: str) -> set[str]:
	"""The words of `text` that belong to places: cities, localities, address words."""
	words = set(_WORD_RE.findall(text.lower()))
	return words & (LOCALITIES | ADDRESS_WORDS | CITY_WORDS)


def looks_like_place(text: str) -> bool:
	"""True if `text` names a place or an address rather than a person: a city, a locality,
	an address word, a pincode or a house number."""
	return bool(
		place_words(text) or CITY_RE.search(text) or re.search(r"(?<!\d)\d{3}\s?\d{3}(?!\d)", text)
		or HOUSE_NUMBER_RE.search(text)
	)


def looks_like_address(text: str) -> bool:
	"""Strong signs of an address: a house number with a street or area word, or two of
	(address word, locality or city, pincode)."""
	words = set(_WORD_RE.findall(text.lower()))
	signs = [
		bool(words & ADDRESS_WORDS),
		bool(words & LOCALITIES or CITY_RE.search(text)),
		bool(re.search(r"(?<!\d)[1-9]\d{2}\s?\d{3}(?!\d)", text)),
	]
	if HOUSE_NUMBER_RE.search(text):
		return any(signs)
	return sum(signs) >= 2


_PINCODE_IN_TEXT_RE = re.compile(r"(?<!\d)[1-9]\d{2}\s?\d{3}(?!\d)")


def is_deliverable_address(text: str) -> bool:
	"""An address a washer can find: a house, flat, plot or sector number (a pincode alone does
	not count), or a building and a street in three parts. "Baner, Pune", "HSR Layout 560102"
	and "near Phoenix mall, Wakad" say where, not which door."""
	if re.search(r"\d", _PINCODE_IN_TEXT_RE.sub(" ", text)):
		return True
	parts = [part for part in re.split(r"[,\n]", text) if part.strip()]
	return len(parts) >= 3 and bool(place_words(text) & ADDRESS_WORDS)
