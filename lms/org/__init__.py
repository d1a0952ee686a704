"""Organisation: customs units, enterprises and their credit status history."""
