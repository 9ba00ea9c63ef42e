"""The camera registry: public and private cameras by district, RT and position."""
