;;; guixml --- companion channel for the guixml ML-weights audit
;;; Copyright © 2026 The guixml authors
;;;
;;; This file is free software; you can redistribute it and/or modify it
;;; under the terms of the GNU General Public License as published by the
;;; Free Software Foundation; either version 3 of the License, or (at your
;;; option) any later version.

(define-module (guixml lint)
  #:use-module (guix lint)
  #:use-module (guix packages)
  #:use-module (guixml ml)
  #:use-module (guixml manifest)
  #:use-module (ice-9 match)
  #:use-module (srfi srfi-1)
  #:export (check-ml-annotations
            check-ml-weight-inputs
            ml-policy-checker
            %ml-checkers))

;;; Commentary:
;;;
;;; Lint checkers for the ML annotations of guixml, written like those of
;;; (guix lint): each is a <lint-checker> whose check takes a package and
;;; returns a list of <lint-warning>, located at the 'properties' field when
;;; the package has one.  'guix ml-audit' runs them; they can also be added to
;;; any list of checkers given to (guix scripts lint)'s 'run-checkers'.
;;;
;;; Code:

(define* (ml-warning package message #:optional (data '()) #:key field)
  "Return a lint warning about PACKAGE with MESSAGE, a format string, and its
DATA; locate it at FIELD of PACKAGE when possible, else at PACKAGE."
  (lint-warning
   (package package)
   (message-text message)
   (message-data data)
   (location (or (and field (package-field-location package field))
                 (package-location package)))))

(define (check-ml-annotations package)
  "Check that the 'ml-' entries of PACKAGE's properties follow the guixml
vocabulary."
  (map (lambda (problem)
         (ml-warning package "~a: ~a"
                     (list (or (ml-problem-key problem) 'properties)
                           (ml-problem-message problem))
                     #:field 'properties))
       (ml-properties-problems package)))

(define (input-names package)
  "Return the labels of PACKAGE's inputs and the names of the packages among
them."
  (append-map (match-lambda
                ((label (? package? input) . _)
                 (list label (package-name input)))
                ((label . _)
                 (list label)))
              (append (package-inputs package)
                      (package-native-inputs package)
                      (package-propagated-inputs package))))

(define (check-ml-weight-inputs package)
  "Check that each weight input named in PACKAGE's 'ml-weight-inputs' is one of
its inputs."
  (if (and (eq? (ml-weights package) 'separate)
           (null? (ml-properties-problems package)))
      (let ((names (input-names package)))
        (filter-map (lambda (name)
                      (and (not (member name names))
                           (ml-warning package
                                       "ml-weight-inputs: '~a' is not an \
input of this package"
                                       (list name)
                                       #:field 'properties)))
                    (ml-weight-inputs package)))
      '()))

(define (package-full-name* package)
  (string-append (package-name package) "@" (package-version package)))

(define (reasons->string verdict)
  (string-join (map symbol->string (ml-verdict-reasons verdict)) ", "))

(define* (ml-policy-checker policy #:key closure? review?)
  "Return a lint checker reporting the packages that POLICY, a symbol of
%ml-policies, rejects, and also those it leaves for review when REVIEW? is
true.  When CLOSURE? is true, also report each package of the closure (direct
and indirect inputs) that POLICY rejects."
  (define cache (make-hash-table))                ;shared closure walks

  (define (check package)
    (let* ((verdict (ml-policy-verdict policy package))
           (own (match (ml-verdict-verdict verdict)
                  ((or 'reject (? (const review?) 'review))
                   (list (ml-warning package "~a under ML policy '~a' (~a)"
                                     (list (if (eq? (ml-verdict-verdict verdict)
                                                    'reject)
                                               "rejected"
                                               "to be reviewed")
                                           policy
                                           (reasons->string verdict))
                                     #:field 'properties)))
                  (_ '()))))
      (if closure?
          (append own
                  (filter-map
                   (match-lambda
                     ((node . verdict)
                      (and (not (eq? node package))
                           (ml-warning package
                                       "depends on ~a, rejected under ML \
policy '~a' (~a)"
                                       (list (package-full-name* node) policy
                                             (reasons->string verdict))
                                       #:field 'inputs))))
                   (ml-closure-rejections policy package #:cache cache)))
          own)))

  (lint-checker
   (name (symbol-append 'ml-policy- policy))
   (description (format #f "Report packages that ML policy '~a' does not \
accept" policy))
   (check check)))

(define %ml-checkers
  (list (lint-checker
         (name 'ml-annotations)
         (description "Validate the ML annotations ('ml-' properties)")
         (check check-ml-annotations))
        (lint-checker
         (name 'ml-weight-inputs)
         (description "Check that declared weight inputs are inputs")
         (check check-ml-weight-inputs))))

;;; lint.scm ends here
