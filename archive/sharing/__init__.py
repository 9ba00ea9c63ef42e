"""Shares for prosecutors and courts: links that expire, and what a recipient does with one."""
