CREATE DATABASE hai_tracker OWNER hai;
