"""Cases: reports, incidents and investigations, their members and clips."""
